<h1>{{heading}}</h1>
% for post in posts:
<div class="post">
  <h2>{{post["title"]}}</h2>
  <p>{{post["summary"]}}</p>
</div>
% end
<p>That's all for now.</p>
