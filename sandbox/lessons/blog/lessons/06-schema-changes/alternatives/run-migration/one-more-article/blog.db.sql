BEGIN TRANSACTION;
CREATE TABLE "article" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "slug" VARCHAR(255) NOT NULL, "content" TEXT NOT NULL, "published" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "summary" TEXT NOT NULL);
INSERT INTO "article" VALUES(1,'Hello, database','hello-database','My first article stored in a real database.',0,'2024-05-01 09:30:00','');
INSERT INTO "article" VALUES(2,'Why I like Peewee','why-peewee','A model is a plain Python class, and every row is an object.',1,'2024-05-02 18:15:00','');
INSERT INTO "article" VALUES(3,'Migrations','migrations','Adding a column without losing a row.',0,'2026-06-03 11:20:31.520113','Changing a table that holds data.');
CREATE UNIQUE INDEX "article_slug" ON "article" ("slug");
COMMIT;
