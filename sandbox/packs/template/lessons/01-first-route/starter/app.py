from bottle import Bottle

app = Bottle()

# Write your route here.
