<h3>Reference solution</h3>
<p class="muted small">Compare it with your code; any solution that passes the checks is right.</p>
% for f in solution:
<p><code>{{f['path']}}</code></p>
<pre><code>{{f['content']}}</code></pre>
% end
