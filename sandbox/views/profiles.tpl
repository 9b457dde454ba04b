% rebase('layout', title='Profiles')
<h1>Profiles</h1>
<p class="muted">Several learners can share this computer. Each profile has its own progress and its own files.</p>
% if error:
<p class="notice error" role="alert">{{error}}</p>
% end
% if deleted:
<div class="notice success" role="status">
  <p>The profile <strong>{{deleted}}</strong> was deleted. Its progress report was saved first:</p>
  <ul>
    % for path in exported:
    <li><code>{{path}}</code></li>
    % end
  </ul>
</div>
% end
% if confirm:
% include('partials/profiles_delete', confirm=confirm)
% end
<table class="table profiles">
  <thead><tr><th>Name</th><th>Steps done</th><th>Since</th><th>Rename</th><th></th></tr></thead>
  <tbody>
  % for p in profiles:
  <tr{{!' class="current"' if p['current'] else ''}}>
    <td><strong>{{p['name']}}</strong>{{!' <span class="badge">current</span>' if p['current'] else ''}}</td>
    <td>{{p['passed']}}</td>
    <td>{{p['created_at']}}</td>
    <td>
      <form method="post" action="{{url('rename_profile', learner_id=p['id'])}}" class="row-form">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <label class="visually-hidden" for="rename-{{p['id']}}">New name for {{p['name']}}</label>
        <input id="rename-{{p['id']}}" name="name" value="{{p['name']}}" maxlength="80" required>
        <button class="button" type="submit">Rename</button>
      </form>
    </td>
    <td class="row-actions">
      % if not p['current']:
      <form method="post" action="{{url('switch_profile', learner_id=p['id'])}}" class="row-form">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <button class="button primary" type="submit" aria-label="Switch to {{p['name']}}">Switch to</button>
      </form>
      % end
      % if len(profiles) > 1:
      <a class="button danger" href="{{url('confirm_delete_profile', learner_id=p['id'])}}" aria-label="Delete {{p['name']}}">Delete…</a>
      % end
    </td>
  </tr>
  % end
  </tbody>
</table>
<h2>New profile</h2>
<form method="post" action="{{url('create_profile')}}" class="form">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label for="new-name">Name</label>
  <input id="new-name" name="name" maxlength="80" required>
  <button class="button primary" type="submit">Create and switch</button>
</form>
