% rebase('layout', title='Home')
<h1>My blog</h1>
<ul>
% for article in articles:
  <li><a href="/blog/{{article.slug}}/">{{article.title}}</a>: {{article.summary}}</li>
% end
</ul>
