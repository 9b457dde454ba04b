<h1>My blog</h1>
<ul>
  <li><strong>Hello, web</strong>: My very first post.</li>
  <li><strong>Why Python?</strong>: Readable code and a friendly community.</li>
</ul>
