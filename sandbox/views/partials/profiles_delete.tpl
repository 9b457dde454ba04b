<section class="confirm-delete card" aria-labelledby="confirm-heading">
  <h2 id="confirm-heading">Delete the profile {{confirm['name']}}?</h2>
  <p>This removes the profile's progress and all of its files on this computer. Before anything is deleted,
     the sandbox writes the profile's progress report to the <code>exports</code> folder of the data folder,
     and this page will say where.</p>
  <form method="post" action="{{url('delete_profile', learner_id=confirm['id'])}}" class="form">
    <input type="hidden" name="csrf_token" value="{{csrf}}">
    <label for="confirm-name">Type the name <strong>{{confirm['name']}}</strong> to confirm</label>
    <input id="confirm-name" name="confirm_name" autocomplete="off" required>
    <div class="actions">
      <button class="button danger" type="submit">Export, then delete for good</button>
      <a class="button" href="{{url('profiles')}}">Keep it</a>
    </div>
  </form>
</section>
