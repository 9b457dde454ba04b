<section aria-labelledby="lessons-heading">
  <h2 id="lessons-heading">Lessons</h2>
  <div class="chart-box">{{!charts['completion']}}</div>
  <table class="table">
    <thead><tr><th>Lesson</th><th>Steps done</th><th>Attempts</th><th>Hints</th><th>Time spent</th></tr></thead>
    <tbody>
    % for l in view['lessons']:
    <tr><td>{{l['title']}}</td><td>{{l['done']}}/{{l['total']}}</td><td>{{l['attempts']}}</td><td>{{l['hints']}}</td><td>{{duration(l['seconds'])}}</td></tr>
    % end
    </tbody>
  </table>
  % if charts['time']:
  <div class="chart-box">{{!charts['time']}}</div>
  % end
</section>
