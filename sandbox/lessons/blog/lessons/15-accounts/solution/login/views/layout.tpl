<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{title}} · My blog</title>
  <link rel="stylesheet" href="/static/style.css">
  <script src="/static/htmx.min.js" defer></script>
</head>
<body>
  <header>
    <img src="/static/logo.svg" alt="" width="32" height="32">
    <a href="/">My blog</a> · <a href="/blog/">Articles</a> · <a href="/blog/search">Search</a> · <a href="/blog/new">Write</a> · <a href="/about">About</a> · <a href="/login">Log in</a>
  </header>
  <main>
    {{!base}}
  </main>
</body>
</html>
