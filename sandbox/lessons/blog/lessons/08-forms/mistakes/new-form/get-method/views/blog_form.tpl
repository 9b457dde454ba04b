% rebase('layout', title='Write an article')
<h1>Write an article</h1>
<form action="/blog/new">
  <label>Title <input name="title" maxlength="200"></label>
  <label>Content <textarea name="content"></textarea></label>
  <label><input type="checkbox" name="published"> Publish now</label>
  <button type="submit">Save</button>
</form>
