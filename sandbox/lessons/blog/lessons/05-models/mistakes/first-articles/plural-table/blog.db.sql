BEGIN TRANSACTION;
CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT, slug TEXT, content TEXT);
INSERT INTO articles VALUES(1,'Hello, database','hello-database','My first article stored in a real database.');
COMMIT;
