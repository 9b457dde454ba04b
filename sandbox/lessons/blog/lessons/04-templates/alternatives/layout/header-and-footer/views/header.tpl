<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{title}} - My blog</title>
</head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
