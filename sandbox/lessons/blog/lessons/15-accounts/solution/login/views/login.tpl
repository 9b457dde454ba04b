% rebase('layout', title='Log in')
<h1>Log in</h1>
% if error:
<p class="error">{{error}}</p>
% end
<form method="post" action="/login">
  <input type="hidden" name="csrf_token" value="{{csrf}}">
  <label>Username <input name="username" value="{{username}}" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>
