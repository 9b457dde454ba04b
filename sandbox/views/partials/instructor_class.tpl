<section aria-labelledby="class-heading">
  <h2 id="class-heading">{{view['pack']['title']}} <span class="muted small">{{view['pack']['id']}} {{view['pack']['version']}}</span></h2>
  <div class="table-scroll">
  <table class="table class-table">
    <thead><tr><th>Learner</th><th>Done</th><th>Attempts</th><th>Hints</th><th>Solutions</th><th>Time</th>
      % for lesson in view['lessons']:
      <th title="{{lesson['title']}}">{{lesson['id']}}</th>
      % end
    </tr></thead>
    <tbody>
    % for row in view['learners']:
    <tr>
      <td>{{row['name']}}</td><td>{{row['percent']}}%</td><td>{{row['attempts']}}</td><td>{{row['hints']}}</td>
      <td>{{row['solutions']}}</td><td>{{duration(row['seconds'])}}</td>
      % for cell in row['lessons']:
      <td class="{{'ok' if cell['total'] and cell['done'] == cell['total'] else ''}}">{{cell['done']}}/{{cell['total']}}</td>
      % end
    </tr>
    % end
    </tbody>
  </table>
  </div>
  <p><a class="button" href="{{url('class_csv')}}" download>Export CSV</a></p>
</section>
<section aria-labelledby="struggle-heading">
  <h2 id="struggle-heading">Where learners struggle</h2>
  % if view['struggles']:
  <div class="chart-box">{{!chart}}</div>
  <table class="table">
    <thead><tr><th>Step</th><th>Learners</th><th>Not passed</th><th>Avg. attempts</th><th>Avg. time</th><th>Used hints</th><th>Saw solution</th></tr></thead>
    <tbody>
    % for s in view['struggles']:
    <tr><td>{{s['title']}} <span class="muted small">{{s['lesson']}}/{{s['step']}}</span></td><td>{{s['learners']}}</td><td>{{s['stuck']}}</td>
      <td>{{s['mean_attempts']}}</td><td>{{duration(s['mean_seconds'])}}</td><td>{{s['hint_users']}}</td><td>{{s['solutions']}}</td></tr>
    % end
    </tbody>
  </table>
  % else:
  <p class="muted">No step stands out: every step tried so far passed at the first attempt without hints.</p>
  % end
</section>
<form method="post" action="{{url('clear_class')}}" data-confirm="Remove every imported report from the gradebook?">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <button class="button danger" type="submit">Clear the gradebook</button>
</form>
