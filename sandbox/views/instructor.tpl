% rebase('layout', title='Instructor')
<h1>Instructor: class progress</h1>
% if notes:
<div class="notice success" role="status">
  <ul>
    % for note in notes:
    <li>{{note}}</li>
    % end
  </ul>
</div>
% end
% if lock_error:
<p class="notice error" role="alert">{{lock_error}}</p>
% end
% if locked:
<section aria-labelledby="unlock-heading">
  <h2 id="unlock-heading">Locked for the instructor</h2>
  <p>The gradebook, importing reports and removing lesson packs are locked on this computer. Type the instructor passphrase to open them.</p>
  <form method="post" action="{{url('unlock_instructor')}}" class="form">
    <input type="hidden" name="csrf_token" value="{{csrf}}">
    <label for="unlock-passphrase">Instructor passphrase</label>
    <input id="unlock-passphrase" type="password" name="passphrase" autocomplete="current-password" required autofocus>
    <button class="button primary" type="submit">Unlock</button>
  </form>
  <p class="muted small">Forgot it? Whoever can use this computer's command line can remove it with <code>sandbox instructor forget</code>; progress and reports are kept.</p>
</section>
% else:
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
<section aria-labelledby="lock-heading">
  <h2 id="lock-heading">Instructor passphrase</h2>
  % if lock_set:
  <p>The gradebook, importing reports and removing lesson packs ask for the instructor passphrase. This browser is unlocked; it locks again after {{unlock_minutes}} minutes without an instructor action.</p>
  <form method="post" action="{{url('lock_instructor')}}" class="form">
    <input type="hidden" name="csrf_token" value="{{csrf}}">
    <button class="button primary" type="submit">Lock now</button>
  </form>
  <details>
    <summary>Change or remove the passphrase</summary>
    <form method="post" action="{{url('set_instructor_passphrase')}}" class="form">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <label for="new-passphrase">New passphrase (at least {{min_length}} characters)</label>
      <input id="new-passphrase" type="password" name="passphrase" autocomplete="new-password" minlength="{{min_length}}" required>
      <label for="new-passphrase-again">The new passphrase again</label>
      <input id="new-passphrase-again" type="password" name="again" autocomplete="new-password" minlength="{{min_length}}" required>
      <button class="button" type="submit">Change the passphrase</button>
    </form>
    <form method="post" action="{{url('remove_instructor_passphrase')}}" class="form">
      <input type="hidden" name="csrf_token" value="{{csrf}}">
      <label for="current-passphrase">Current passphrase</label>
      <input id="current-passphrase" type="password" name="passphrase" autocomplete="current-password" required>
      <button class="button danger" type="submit">Remove the passphrase</button>
    </form>
  </details>
  % else:
  <p>On a computer that pupils share, lock the gradebook, importing reports and removing lesson packs behind a passphrase only you know. It is kept only as a scrypt hash, and this browser stays unlocked until you lock it or leave it alone for {{unlock_minutes}} minutes.</p>
  <form method="post" action="{{url('set_instructor_passphrase')}}" class="form">
    <input type="hidden" name="csrf_token" value="{{csrf}}">
    <label for="new-passphrase">Passphrase (at least {{min_length}} characters)</label>
    <input id="new-passphrase" type="password" name="passphrase" autocomplete="new-password" minlength="{{min_length}}" required>
    <label for="new-passphrase-again">The passphrase again</label>
    <input id="new-passphrase-again" type="password" name="again" autocomplete="new-password" minlength="{{min_length}}" required>
    <button class="button primary" type="submit">Lock with this passphrase</button>
  </form>
  % end
</section>
% end
