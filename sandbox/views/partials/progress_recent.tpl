<section aria-labelledby="recent-heading">
  <h2 id="recent-heading">Recent attempts</h2>
  % if recent:
  <table class="table recent">
    <thead><tr><th>When</th><th>Step</th><th>Kind</th><th>Result</th><th>Took</th></tr></thead>
    <tbody>
    % for a in recent:
    <tr>
      <td>{{a['when']}}</td>
      <td><a href="{{a['url']}}">{{a['title']}}</a> <span class="muted small">{{a['lesson_id']}}</span></td>
      <td>{{a['kind']}}</td>
      <td class="{{'ok' if a['passed'] else 'bad'}}">{{'passed' if a['passed'] else 'not yet'}}</td>
      <td>{{'%.1f s' % (a['ms'] / 1000) if a['ms'] else '–'}}</td>
    </tr>
    % end
    </tbody>
  </table>
  % else:
  <div class="empty"><p>No attempts yet. Check a step and it shows up here.</p></div>
  % end
</section>
