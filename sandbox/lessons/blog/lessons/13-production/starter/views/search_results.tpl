% if q and not articles:
<p>No article title contains “{{q}}”.</p>
% end
<ul class="articles">
% for article in articles:
  <li><a href="/blog/{{article.slug}}/">{{article.title}}</a> <small>{{article.created_at.strftime('%d %b %Y')}}</small></li>
% end
</ul>
