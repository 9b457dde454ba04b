<footer>Written with Bottle.</footer>
</body>
</html>
