% rebase('layout', title=article.title)
<article>
  <h1>{{article.title}}</h1>
  <p><small>{{article.created_at.strftime('%d %b %Y')}}</small></p>
  <p>{{!article.content.replace('\r\n', '\n').replace('\n\n', '</p><p>')}}</p>
</article>
