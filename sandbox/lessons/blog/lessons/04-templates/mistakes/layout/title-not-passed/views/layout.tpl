<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{title}} · My blog</title>
</head>
<body>
  <header><a href="/">My blog</a> · <a href="/about">About</a></header>
  <main>
    {{!base}}
  </main>
</body>
</html>
