<h3>History of <code>{{path}}</code></h3>
% if not versions:
<p class="muted">No saved versions yet.</p>
% else:
<table class="table">
  <thead><tr><th>Saved</th><th>Why</th><th>Lines</th><th></th></tr></thead>
  <tbody>
  % for v in versions:
  <tr><td>{{v['created_at']}}</td><td>{{v['reason']}}</td><td>{{v['lines']}}</td>
    <td><form method="post" action="{{url('restore', **here)}}"><input type="hidden" name="csrf_token" value="{{csrf}}"><input type="hidden" name="version" value="{{v['id']}}"><button class="button" type="submit" data-confirm="Bring back this version? The current one stays in the history.">Restore</button></form></td></tr>
  % end
  </tbody>
</table>
% end
