% rebase('layout', title='Settings')
<h1>Settings</h1>
% if saved:
<p class="notice success" role="status">Saved.</p>
% end
<form method="post" action="{{url('save_settings')}}" class="form">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label for="name">Your name</label>
  <input id="name" name="name" value="{{learner['name']}}" maxlength="80" required {{!'readonly aria-describedby="name-hub"' if get('classroom') else ''}} {{!'aria-invalid="true"' if 'name' in errors else ''}}>
  % if get('classroom'):
  <p class="muted small" id="name-hub">Your name is your account on your class's Hub.</p>
  % end
  % if 'name' in errors:
  <p class="field-error">{{errors['name']}}</p>
  % end
  <fieldset>
    <legend>Theme</legend>
    % for theme in ("light", "dark"):
    <label class="inline"><input type="radio" name="theme" value="{{theme}}" {{!'checked' if learner['theme'] == theme else ''}}> {{theme.capitalize()}}</label>
    % end
    % if 'theme' in errors:
    <p class="field-error">{{errors['theme']}}</p>
    % end
  </fieldset>
  <label for="font_size">Editor font size (px)</label>
  <input id="font_size" name="font_size" type="number" min="10" max="28" value="{{learner['font_size']}}">
  % if 'font_size' in errors:
  <p class="field-error">{{errors['font_size']}}</p>
  % end
  <button class="button primary" type="submit">Save settings</button>
</form>
