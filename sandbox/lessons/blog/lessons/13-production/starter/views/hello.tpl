% rebase('layout', title='Hello')
<h1>Hello, {{name}}!</h1>
