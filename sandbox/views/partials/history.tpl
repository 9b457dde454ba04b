<section class="history" aria-labelledby="history-title">
<h3 id="history-title">History of <code>{{path}}</code></h3>
% if not versions:
<p class="muted">No saved versions yet.</p>
% else:
<p class="muted small">Every version is kept. Bringing one back keeps the current one here too.</p>
<ol class="history-list">
  % for v in versions:
  <li class="history-item">
    <div class="history-row">
      <span class="history-when">{{v['created_at']}}</span>
      <span class="history-why">{{v['reason']}}</span>
      <span class="muted small">{{v['lines']}} lines</span>
      <form method="post" action="{{url('restore', **here)}}" class="row-form"><input type="hidden" name="csrf_token" value="{{csrf}}"><input type="hidden" name="version" value="{{v['id']}}"><button class="button small" type="submit" data-confirm="Bring back this version? The current one stays in the history.">Bring back</button></form>
    </div>
    % if v['diff']:
    <details><summary>What changed</summary>
      <pre class="diff">\\
      % for kind, line in v['diff']:
<span class="diff-{{kind}}">{{line}}</span>\\
      % end
</pre>
    </details>
    % else:
    <p class="muted small">Same text as the version before it.</p>
    % end
  </li>
  % end
</ol>
% end
% if deleted:
<h3>Files no longer in your folder</h3>
<p class="muted small">Deleted or renamed files stay here; bring one back to put it in your folder again.</p>
<ul class="history-list">
  % for d in deleted:
  <li class="history-row"><code>{{d['path']}}</code> <span class="muted small">last kept {{d['when']}}</span>
    <form method="post" action="{{url('restore', **here)}}" class="row-form"><input type="hidden" name="csrf_token" value="{{csrf}}"><input type="hidden" name="version" value="{{d['version']}}"><button class="button small" type="submit">Bring back</button></form></li>
  % end
</ul>
% end
</section>
