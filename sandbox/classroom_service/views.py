"""The classroom service's pages, as Bottle SimpleTemplates (``{{...}}`` escapes HTML).

Every link is built by the caller from the prefix the service is served under (``root``, ending in
a slash) and passed in; the pages run no script, and their one style sheet is inline.
"""

from __future__ import annotations

from bottle import SimpleTemplate

_LAYOUT_TOP = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} - Classroom</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border-bottom:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.muted{color:#555;font-size:.9em}.notice{padding:.6rem 1rem;border-radius:.3rem;background:#e7f4e7}
.error{background:#fbe9e9}form.inline{display:inline}label{display:block;margin-top:.5rem}
header{display:flex;justify-content:space-between;align-items:baseline;border-bottom:2px solid #ccc}
</style></head><body>
<header><h1>{{title}}</h1><p class="muted">{{user}} &middot; <a href="{{root}}">Classroom</a></p></header>
"""

HOME = SimpleTemplate(_LAYOUT_TOP + """
% if notice:
<p class="notice" role="status">{{notice}}</p>
% end
% if error:
<p class="notice error" role="alert">{{error}}</p>
% end
<h2>Publish a pack</h2>
<p>Choose a lesson pack (<code>.zip</code>) and the Hub group of learners it is for. It is checked the way a
sandbox checks a pack before it installs one; publishing a new version replaces the one offered to that group.
Learners' sandboxes install a version once, so give a changed pack a new version.</p>
<form method="post" action="{{root}}publish" enctype="multipart/form-data">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label for="pack">Pack file (.zip)</label><input id="pack" type="file" name="pack" accept=".zip,application/zip" required>
  <label for="group">Hub group of learners</label><input id="group" name="group" value="{{group}}" required maxlength="255">
  <p><button type="submit">Check and publish</button></p>
</form>
<h2>Offered packs</h2>
% if offers:
<table><thead><tr><th>Pack</th><th>Version</th><th>Group</th><th>Size</th><th>Published</th><th></th></tr></thead><tbody>
% for o in offers:
<tr><td>{{o['title']}} <span class="muted">{{o['pack_id']}}</span></td><td>{{o['version']}}</td><td>{{o['group']}}</td>
<td>{{o['size_text']}}</td><td>{{o['published_at']}} <span class="muted">by {{o['published_by']}}</span></td>
<td><form class="inline" method="post" action="{{root}}offers/{{o['id']}}/withdraw"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit">Withdraw</button></form></td></tr>
% end
</tbody></table>
% else:
<p>No pack is offered yet.</p>
% end
<h2>Gradebooks</h2>
% if reported:
<table><thead><tr><th>Pack</th><th>Learners</th><th>Last report</th><th></th></tr></thead><tbody>
% for p in reported:
<tr><td><a href="{{p['href']}}">{{p['title']}}</a> <span class="muted">{{p['id']}}</span></td><td>{{p['learners']}}</td>
<td>{{p['last']}}</td><td><a href="{{p['csv']}}">CSV</a></td></tr>
% end
</tbody></table>
% else:
<p>No learner's sandbox has sent a report yet. Each sandbox sends one after every step it passes.</p>
% end
</body></html>
""")

GRADEBOOK = SimpleTemplate(_LAYOUT_TOP + """
% pack = view['pack']
<p>{{pack['title']}} <span class="muted">{{pack['id']}} {{pack['version']}}</span>: {{len(view['learners'])}}
learner{{'' if len(view['learners']) == 1 else 's'}}{{(' in the group ' + group) if group else ''}}.
<a href="{{csv}}">Download as CSV</a></p>
% if groups:
<p class="muted">Groups: <a href="{{everyone}}">everyone</a>
% for g in groups:
&middot; <a href="{{g['href']}}">{{g['name']}}</a>
% end
</p>
% end
<table><thead><tr><th>Learner</th><th>Done</th>
% for lesson in view['lessons']:
<th title="{{lesson['title']}}">{{lesson['id']}}</th>
% end
<th>Attempts</th><th>Hints</th><th>Solutions</th><th>Minutes</th><th>Reported</th></tr></thead><tbody>
% for row in view['learners']:
<tr><td>{{row['name']}}</td><td>{{row['percent']}}%</td>
% for cell in row['lessons']:
<td>{{cell['done']}}/{{cell['total']}}</td>
% end
<td>{{row['attempts']}}</td><td>{{row['hints']}}</td><td>{{row['solutions']}}</td><td>{{row['seconds'] // 60}}</td>
<td>{{row['generated_at']}}</td></tr>
% end
</tbody></table>
% if view['struggles']:
<h2>Where learners struggle</h2>
<ul>
% for s in view['struggles']:
<li>{{s['lesson']}} / {{s['title']}}: {{s['mean_attempts']}} attempts on average, {{s['hint_users']}} of
{{s['learners']}} used hints, {{s['stuck']}} not passed yet</li>
% end
</ul>
% end
</body></html>
""")

PROBLEM = SimpleTemplate(_LAYOUT_TOP + """
<p class="notice error" role="alert">{{message}}</p>
</body></html>
""")


def size_text(size: int) -> str:
    """A byte count for people: 532 bytes, 14 KB, 3.2 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"
