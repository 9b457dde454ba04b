% rebase('layout', title='About')
<h1>About {{product}}</h1>
% if get('mode'):
<p>Version {{version}}. {{mode}}</p>
% else:
<p>Version {{version}}. Everything runs on this computer; nothing is sent anywhere.</p>
% end
<h2>Where things are</h2>
<dl class="facts">
  <dt>Data folder</dt><dd><code>{{data_dir}}</code></dd>
  <dt>Address</dt><dd><code>{{address}}</code></dd>
  <dt>Rich editor</dt><dd>{{'available' if bundle_ok else 'not built (plain text editor in use)'}}</dd>
  <dt>Protection</dt><dd id="protection">{{protection.sentence}}</dd>
</dl>
<h2>Versions</h2>
<table class="table">
  <thead><tr><th>Component</th><th>Version</th></tr></thead>
  <tbody>
  % for name, ver in versions:
  <tr><td>{{name}}</td><td>{{ver}}</td></tr>
  % end
  </tbody>
</table>
