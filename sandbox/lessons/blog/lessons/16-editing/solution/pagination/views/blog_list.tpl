% rebase('layout', title='Articles')
<h1>Articles</h1>
% if not articles:
<p>Nothing published yet.</p>
% end
<ul class="articles">
% for article in articles:
  <li><a href="/blog/{{article.slug}}/">{{article.title}}</a> <small>{{article.created_at.strftime('%d %b %Y')}}</small></li>
% end
</ul>
<nav class="pages">
% if page > 1:
  <a href="/blog/?page={{page - 1}}">Newer articles</a>
% end
  Page {{page}} of {{pages}}
% if page < pages:
  <a href="/blog/?page={{page + 1}}">Older articles</a>
% end
</nav>
