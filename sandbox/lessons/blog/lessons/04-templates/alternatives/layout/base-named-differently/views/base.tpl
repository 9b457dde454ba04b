<!DOCTYPE html>
<html>
<head><title>My blog | {{title}}</title></head>
<body>
<div class="page">
{{!base}}
</div>
</body>
</html>
