% rebase('layout', title='Write an article')
<h1>Write an article</h1>
<form method="post" action="/logout" class="logout">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  Logged in as {{user.username}}. <button type="submit">Log out</button>
</form>
<form method="post" action="/blog/new">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label>Title <input name="title" value="{{form.get('title', '')}}" maxlength="200"></label>
  % if 'title' in errors:
  <p class="error">{{errors['title']}}</p>
  % end
  <label>Content <textarea name="content">{{form.get('content', '')}}</textarea></label>
  % if 'content' in errors:
  <p class="error">{{errors['content']}}</p>
  % end
  <label><input type="checkbox" name="published" {{'checked' if form.get('published') else ''}}> Publish now</label>
  <button type="submit">Save</button>
</form>
