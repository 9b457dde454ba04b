% rebase('layout', title='Search')
<h1>Search articles</h1>
<form action="/blog/search" method="get">
  <input type="search" name="q" value="{{q}}" placeholder="A word from a title" autocomplete="off"
         hx-get="/blog/search" hx-trigger="input changed delay:300ms, search" hx-target="#results">
  <button type="submit">Search</button>
</form>
<div id="results">
% include('search_results', articles=articles, q=q)
</div>
