<div class="notice error" role="alert"><strong>{{title}}.</strong> {{message}}</div>
