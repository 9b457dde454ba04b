% rebase('layout', title='Instructor')
<h1>Instructor: class progress</h1>
<p class="muted">Import the progress reports your learners exported (JSON) for one course. They are kept here until you clear them.
  Each report carries a checksum, so a hand-edited report is refused; this detects edits, it is not proof against a determined forger.</p>
% if problems:
<div class="notice error" role="alert">
  <p><strong>Nothing was imported.</strong> Fix or leave out these files and try again:</p>
  <ul class="problems">
    % for problem in problems:
    <li>{{problem}}</li>
    % end
  </ul>
</div>
% end
% if notes:
<div class="notice success" role="status">
  <ul>
    % for note in notes:
    <li>{{note}}</li>
    % end
  </ul>
</div>
% end
<form method="post" action="{{url('import_reports')}}" enctype="multipart/form-data" class="form">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label for="report-files">Progress reports (.json, several at once)</label>
  <input id="report-files" type="file" name="reports" accept=".json,application/json" multiple required>
  <button class="button primary" type="submit">Import reports</button>
</form>
% if view['learners']:
% include('partials/instructor_class', view=view, chart=chart, duration=duration)
% else:
<div class="empty"><p>No reports imported yet.</p></div>
% end
