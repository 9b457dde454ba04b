<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{title}} · {{product}}</title><link rel="stylesheet" href="{{url('static', path='css/app.css')}}"></head>
<body>
<main class="error-page">
  <p class="status">{{status}}</p>
  <h1>{{title}}</h1>
  <p>{{message}}</p>
  <p><a class="button" href="{{url('home')}}">Back to the home page</a></p>
</main>
</body>
</html>
