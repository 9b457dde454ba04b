% outcome = result.get('outcome') or {}
% if result.get('cancelled'):
<div class="result"><p>{{result['headline']}}</p></div>
% elif result.get('empty'):
<div class="result failed"><p><strong>Choose an answer first.</strong></p></div>
% elif result.get('quiz'):
<div class="result {{'passed' if result['passed'] else 'failed'}}">
  <p><strong>{{'Right!' if result['passed'] else 'Not quite. Read the notes and try again.'}}</strong></p>
  % if not result['passed'] and result.get('summary'):
  <p class="quiz-summary">{{result['summary']}}</p>
  % end
  <ul>
  % for e in result['explanations']:
    % if e['chosen'] or result['passed']:
    <li><strong>{{e['text']}}</strong>: {{e['explain']}}</li>
    % end
  % end
  </ul>
</div>
% elif result.get('read'):
<div class="result passed"><p><strong>Done.</strong></p></div>
% else:
<div class="result {{'passed' if result['passed'] else 'failed'}}">
  <p><strong>{{result['headline']}}</strong> <span class="muted small">{{int(result.get('duration_ms') or 0)}} ms</span></p>
  <ul class="tests">
  % for t in result.get('tests', []):
    % if t['outcome'] != 'passed' and t.get('file') and t.get('line'):
    <li class="test failed" data-problem-file="{{t['file']}}" data-problem-line="{{t['line']}}" data-problem-message="{{t.get('message') or t['title']}}">
    % else:
    <li class="test {{t['outcome'] if t['outcome'] in ('passed', 'skipped') else 'failed'}}">
    % end
      <strong>{{'✓' if t['outcome'] == 'passed' else '○' if t['outcome'] == 'skipped' else '✗'}} {{t['title']}}</strong>
      % if t['outcome'] != 'passed' and t.get('message'):
      <p class="message">{{t['message']}}</p>
      % end
      % if t.get('file'):
      <p class="muted small">In {{t['file']}}{{' line %s' % t['line'] if t.get('line') else ''}}</p>
      % end
      % if t['outcome'] != 'passed' and t.get('detail'):
      <details><summary>Details</summary><pre>{{t['detail']}}</pre></details>
      % end
    </li>
  % end
  </ul>
  % if result.get('output_tail'):
  <details><summary>What your code printed</summary><pre>{{result['output_tail']}}</pre></details>
  % end
</div>
% end
% if outcome.get('newly_passed'):
<p class="notice success" role="status">Step passed! {{'The next step is unlocked.' if outcome.get('next_url') else 'That was the last step of this course. Well done!'}}
% if outcome.get('next_url'):
<a class="button primary" href="{{outcome['next_url']}}">Next step →</a>
% end
</p>
% end
% if outline is not None:
% include('partials/outline', outline=outline, here_lesson=here['lesson_id'], here_step=here['step_id'], pack_id=here['pack_id'], oob=True)
% end
