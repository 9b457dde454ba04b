% rebase('layout', title=title)
<h1>{{title}}</h1>
<p>{{message}}</p>
<p><a href="/">Back to the home page</a></p>
