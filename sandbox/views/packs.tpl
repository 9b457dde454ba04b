% rebase('layout', title='Packs')
<h1>Lesson packs</h1>
% if installed:
<p class="notice success" role="status">{{installed}}</p>
% end
% if report:
<div class="notice error" role="alert">
  <p><strong>{{report['message']}}</strong></p>
  % if report['problems']:
  <ul class="problems">
    % for problem in report['problems']:
    <li><code>{{problem}}</code></li>
    % end
  </ul>
  % end
</div>
% end
% if packs:
<table class="table">
  <thead><tr><th>Pack</th><th>Framework</th><th>Version</th><th>Lessons</th><th>Steps</th><th>Libraries</th><th>Authors</th><th></th></tr></thead>
  <tbody>
  % for p in packs:
  <tr>
    <td><a href="{{url('continue', pack_id=p['id'])}}">{{p['title']}}</a> <span class="muted small">{{p['id']}}</span></td>
    <td>{{p['framework']}}</td><td>{{p['version']}}</td><td>{{p['lessons']}}</td><td>{{p['steps']}}</td>
    <td class="small">{{p['libraries']}}</td><td>{{p['authors']}}</td>
    % if may_remove:
    <td><form method="post" action="{{url('remove_pack', pack_id=p['id'])}}"><input type="hidden" name="csrf_token" value="{{csrf}}"><button class="button danger" type="submit" data-confirm="Remove {{p['title']}}? Your files and progress are kept in case you install it again.">Remove</button></form></td>
    % else:
    <td class="muted small">Removing is <a href="{{url('instructor')}}">locked for the instructor</a></td>
    % end
  </tr>
  % end
  </tbody>
</table>
% else:
<div class="empty"><p>No lesson packs are installed yet.</p></div>
% end
% if broken:
<h2>Packs that could not be read</h2>
<ul>
  % for b in broken:
  <li><code>{{b['folder']}}</code>: {{b['error']}}</li>
  % end
</ul>
% end
% if offered is not None:
<h2>Offered by your class</h2>
% if offered_problem:
<p class="notice error" role="alert">{{offered_problem}}</p>
% elif offered:
<table class="table">
  <thead><tr><th>Pack</th><th>Version</th><th>Size</th><th></th></tr></thead>
  <tbody>
  % for o in offered:
  <tr>
    <td>{{o['title']}} <span class="muted small">{{o['pack_id']}}</span></td>
    <td>{{o['version']}}</td><td>{{o['size_kb']}} KB</td>
    % if o['state'] in ('install', 'update'):
    <td><form method="post" action="{{url('install_offered', offer_id=o['id'])}}"><input type="hidden" name="csrf_token" value="{{csrf}}"><button class="button primary" type="submit">{{'Install' if o['state'] == 'install' else 'Update from ' + o['installed']}}</button></form></td>
    % elif o['state'] == 'installed':
    <td class="muted small">Installed</td>
    % else:
    <td class="muted small">A newer version ({{o['installed']}}) is installed</td>
    % end
  </tr>
  % end
  </tbody>
</table>
% else:
<p>Your class offers no lesson pack yet.</p>
% end
% end
<h2>Install a pack</h2>
<p>Your teacher may give you a lesson pack as a <code>.zip</code> file. It is checked before anything is installed.</p>
<form method="post" action="{{url('install_pack')}}" enctype="multipart/form-data" class="form">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label for="pack-file">Pack file (.zip)</label>
  <input id="pack-file" type="file" name="pack" accept=".zip,application/zip" required>
  <label class="inline"><input type="checkbox" name="force"> Reinstall even if this version (or a newer one) is installed</label>
  <button class="button primary" type="submit">Check and install</button>
</form>
