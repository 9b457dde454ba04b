% rebase('layout', title='Edit: ' + article.title)
<h1>Edit “{{article.title}}”</h1>
<form method="post">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label>Title <input name="title" value="{{article.title}}" maxlength="200"></label>
  % for field, message in errors.items():
  <p class="problem">{{field}}: {{message}}</p>
  % end
  <label>Content <textarea name="content">{{article.content}}</textarea></label>
  <label><input type="checkbox" name="published" {{'checked' if article.published else ''}}> Published</label>
  <button type="submit">Save changes</button>
</form>
