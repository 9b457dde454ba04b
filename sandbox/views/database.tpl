% rebase('layout', title='Your database', wide=True)
% keep = {'back': back} if back else {}
<div class="database">
  % if back:
  <p><a href="{{back}}">← Back to the step</a></p>
  % end
  <h1>Your database</h1>
  <p class="muted">A read-only look at the SQLite files in your workspace: nothing here can change your data.</p>
  % if not workspace:
  <p class="empty">Open a lesson with a web app first: its workspace is where your database lives.</p>
  % elif not files:
  <p class="empty">There is no database file (<code>*.db</code>, <code>*.sqlite</code>) in <code>{{workspace}}</code> yet. Your app creates one when it first connects.</p>
  % else:
  <nav class="actions" aria-label="Database files">
    % for f in files:
    <a class="button {{'primary' if f == file else ''}}" href="{{url('database', file=f, **keep)}}">{{f}}</a>
    % end
  </nav>
  <table class="table db-tables">
    <thead><tr><th>Table</th><th>Rows</th><th>Columns</th></tr></thead>
    <tbody>
    % for t in tables:
    <tr>
      <td><a href="{{url('database', file=file, table=t.name, **keep)}}">{{t.name}}</a></td>
      <td>{{t.rows}}</td>
      <td>{{', '.join('%s %s' % (c['name'], c['type']) for c in t.columns)}}</td>
    </tr>
    % end
    </tbody>
  </table>
  % if rows_page:
  <h2>{{rows_page.table.name}} <span class="muted small">{{rows_page.table.rows}} rows</span></h2>
  <details><summary>How this table was created</summary><pre class="sql">{{rows_page.table.sql}}</pre></details>
  <table class="table">
    <thead><tr><th>Column</th><th>Type</th><th>Not null</th><th>Default</th><th>Primary key</th></tr></thead>
    <tbody>
    % for c in rows_page.table.columns:
    <tr><td>{{c['name']}}</td><td>{{c['type']}}</td><td>{{'yes' if c['notnull'] else ''}}</td><td>{{'' if c['default'] is None else c['default']}}</td><td>{{'yes' if c['pk'] else ''}}</td></tr>
    % end
    </tbody>
  </table>
  <div class="table-scroll">
  <table class="table db-rows">
    <thead><tr>
    % for name in rows_page.columns:
      <th>{{name}}</th>
    % end
    </tr></thead>
    <tbody>
    % for row in rows_page.rows:
    <tr>
      % for value in row:
      <td>{{value}}</td>
      % end
    </tr>
    % end
    </tbody>
  </table>
  </div>
  <p class="actions">
    % if rows_page.page > 1:
    <a class="button" href="{{url('database', file=file, table=rows_page.table.name, page=rows_page.page - 1, **keep)}}">← Previous</a>
    % end
    <span class="muted">Page {{rows_page.page}} of {{rows_page.pages}}</span>
    % if rows_page.page < rows_page.pages:
    <a class="button" href="{{url('database', file=file, table=rows_page.table.name, page=rows_page.page + 1, **keep)}}">Next →</a>
    % end
  </p>
  % end
  % end
</div>
