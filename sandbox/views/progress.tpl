% rebase('layout', title='Progress')
<h1>Your progress</h1>
% if exported:
<div class="notice success" role="status">
  <p>Your report was written to the data folder:</p>
  <ul>
    % for item in exported:
    <li><code>{{item['path']}}</code> · <a href="{{url('download_export', name=item['name'])}}" download>Download {{item['name']}}</a></li>
    % end
  </ul>
</div>
% end
% if len(view['packs']) > 1:
<form method="get" action="{{url('progress')}}" class="row-form">
  <label for="pack-choice">Course</label>
  <select id="pack-choice" name="pack">
    % for p in view['packs']:
    <option value="{{p['id']}}" {{!'selected' if view['pack'] and view['pack']['id'] == p['id'] else ''}}>{{p['title']}}</option>
    % end
  </select>
  <button class="button" type="submit">Show</button>
</form>
% end
% if not view['pack']:
<div class="empty"><p>No course is installed yet, so there is no progress to show.</p></div>
% else:
% totals = view['totals']
<section class="stats" aria-label="Summary">
  <div class="stat"><span class="stat-value">{{totals['passed']}}/{{totals['steps']}}</span><span class="stat-label">steps done in {{view['pack']['title']}}</span></div>
  <div class="stat"><span class="stat-value">{{duration(totals['seconds_spent'])}}</span><span class="stat-label">time spent</span></div>
  <div class="stat"><span class="stat-value">{{view['streak']['current']}}</span><span class="stat-label">day streak (longest {{view['streak']['longest']}})</span></div>
  <div class="stat"><span class="stat-value">{{totals['attempts']}}</span><span class="stat-label">attempts</span></div>
</section>
% include('partials/progress_lessons', view=view, charts=charts, duration=duration)
% end
<section aria-labelledby="days-heading">
  <h2 id="days-heading">Practice days</h2>
  <p class="muted">{{view['streak']['days']}} day{{'s' if view['streak']['days'] != 1 else ''}} with at least one attempt.</p>
  <div class="chart-box">{{!charts['calendar']}}</div>
</section>
% include('partials/progress_recent', recent=view['recent'])
<section aria-labelledby="export-heading">
  <h2 id="export-heading">Progress report</h2>
  <p>Write a report of this course to hand to your teacher. The JSON report carries a checksum, so an edited
     file is noticed when it is imported (it shows edits; it cannot stop a determined forger).</p>
  <form method="post" action="{{url('export_progress')}}" class="form">
    <input type="hidden" name="csrf_token" value="{{csrf}}">
    % if view['pack']:
    <input type="hidden" name="pack" value="{{view['pack']['id']}}">
    % end
    <fieldset>
      <legend>Format</legend>
      <label class="inline"><input type="radio" name="format" value="json" checked> JSON (for your teacher)</label>
      <label class="inline"><input type="radio" name="format" value="csv"> CSV (for a spreadsheet)</label>
    </fieldset>
    <label class="inline"><input type="checkbox" name="with_files"> Also save my final files for each lesson (.zip)</label>
    <button class="button primary" type="submit">Export report</button>
  </form>
</section>
