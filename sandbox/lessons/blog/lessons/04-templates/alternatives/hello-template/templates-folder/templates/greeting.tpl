<p>Hi there, <em>{{name}}</em>. Nice to see you.</p>
