% rebase('layout', title='Home')
<section class="hero">
  <h1>{{'Welcome back' if returning else 'Welcome'}}, {{learner['name']}}</h1>
  <p>Build a real Python website one small step at a time. Press Check (or turn on checking on every save) and see in a blink what works and what to fix.</p>
</section>
% for notice in notices:
<p class="notice" role="status">{{notice}}</p>
% end
% if tracks:
<section aria-labelledby="tracks-heading" class="tracks">
  <h2 id="tracks-heading">Which framework should you learn?</h2>
  <p class="muted">Each course builds one real site with one framework. The ideas carry over: routes, templates, forms, a database and tests look alike in all of them.</p>
  <ul class="track-list">
    % for course in tracks:
    <li><a href="{{url('continue', pack_id=course['id'])}}"><strong>{{course['framework']}}</strong>: {{course['title']}}</a><br><span class="small">{{course['when']}}</span></li>
    % end
  </ul>
</section>
% end
<section aria-labelledby="courses-heading">
  <h2 id="courses-heading">Your courses</h2>
  % if courses['installed']:
  <ul class="cards">
    % for course in courses['installed']:
    <li class="card">
      <h3>{{course['title']}}</h3>
      <p class="muted small">{{course['framework']}}</p>
      <p>{{course['description']}}</p>
      <progress max="100" value="{{course['progress']}}" aria-label="Progress in {{course['title']}}">{{course['progress']}}%</progress>
      <p class="muted small">{{course['done']}} of {{course['total']}} steps done · version {{course['version']}}</p>
      <a class="button primary" href="{{url('continue', pack_id=course['id'])}}">{{'Review' if course['finished'] else ('Continue' if course['done'] else 'Start')}}</a>
    </li>
    % end
  </ul>
  % else:
  <div class="empty">
    <p><strong>No courses installed yet.</strong></p>
    % if courses['coming']:
    <p>These built-in courses will be installed for you:</p>
    <ul>
      % for course in courses['coming']:
      <li><strong>{{course['title']}}</strong> — {{course['description']}}</li>
      % end
    </ul>
    % end
    <p>You can also install a lesson pack from your teacher on the <a href="{{url('packs')}}">Packs</a> page.</p>
  </div>
  % end
</section>
