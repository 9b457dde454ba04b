<h1>My blog</h1>
<ul>
% for article in articles:
  <li><strong>{{article['title']}}</strong>: {{article['summary']}}</li>
% end
</ul>
