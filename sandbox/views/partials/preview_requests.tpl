<table class="table inspector-list" id="inspector-list">
  <thead><tr><th>#</th><th>Method</th><th>Path</th><th>Status</th><th>Time</th><th>Template</th><th>SQL</th></tr></thead>
  <tbody>
  % if not requests:
  <tr><td colspan="7" class="muted">No requests yet. Open a page in the preview and it appears here.</td></tr>
  % end
  % for r in requests:
  <tr class="{{'chosen' if r.id == get('chosen_id') else ''}} status-{{(r.status or 0) // 100}}xx">
    <td><a href="{{url('inspector_request', record_id=r.id)}}">{{r.id}}</a></td>
    <td>{{r.method}}</td>
    <td><a href="{{url('inspector_request', record_id=r.id)}}"><code>{{r.url}}</code></a></td>
    <td>{{r.status or '—'}}</td>
    <td>{{'%.1f' % r.duration_ms}} ms</td>
    <td>{{r.template or '—'}}</td>
    <td>{{len(r.queries)}} {{'query' if len(r.queries) == 1 else 'queries'}}</td>
  </tr>
  % end
  </tbody>
</table>
