% rebase('layout', title=article.title)
<article>
  <h1>{{article.title}}</h1>
  <p><small>{{article.created_at.strftime('%d %b %Y')}}</small></p>
  <div>{{article.content}}</div>
</article>
