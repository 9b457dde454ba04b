<div id="outline" {{!'hx-swap-oob="true"' if get('oob') else ''}}>
% for lesson_view in outline:
<details {{!'open' if lesson_view.lesson_id == here_lesson else ''}}>
  <summary>{{lesson_view.title}} <span class="muted small">{{lesson_view.done}}/{{len(lesson_view.steps)}}</span></summary>
  <ol>
    % for s in lesson_view.steps:
    <li><a class="state-{{s.state}}" href="{{url('step', pack_id=pack_id, lesson_id=s.lesson_id, step_id=s.step_id)}}" {{!'aria-current="step"' if s.step_id == here_step and s.lesson_id == here_lesson else ''}} title="{{s.state}}">{{s.title}}</a></li>
    % end
  </ol>
</details>
% end
</div>
