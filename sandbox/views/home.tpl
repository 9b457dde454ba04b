% rebase('layout', title='Home')
<section class="hero">
  <h1>Welcome back, {{learner['name']}}</h1>
  <p>Build a real Python website one small step at a time. Every step is checked the moment you save.</p>
</section>
% for notice in notices:
<p class="notice" role="status">{{notice}}</p>
% end
<section aria-labelledby="courses-heading">
  <h2 id="courses-heading">Your courses</h2>
  % if courses['installed']:
  <ul class="cards">
    % for course in courses['installed']:
    <li class="card">
      <h3>{{course['title']}}</h3>
      <p class="muted">Version {{course['version']}}</p>
      % if course.get('progress') is not None:
      <progress max="100" value="{{course['progress']}}">{{course['progress']}}%</progress>
      % end
      % if course.get('continue_url'):
      <a class="button primary" href="{{course['continue_url']}}">Continue</a>
      % end
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
    <p>You can also install a lesson pack from your teacher on the <a href="/packs">Packs</a> page.</p>
  </div>
  % end
</section>
