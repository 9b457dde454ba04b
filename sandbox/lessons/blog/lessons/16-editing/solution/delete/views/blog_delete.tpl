% rebase('layout', title='Delete an article')
<h1>Delete “{{article.title}}”?</h1>
<p>The article is gone for good once you press Delete.</p>
<form method="post" action="/blog/{{article.slug}}/delete">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <button type="submit">Delete</button>
  <a href="/blog/{{article.slug}}/edit">Cancel</a>
</form>
