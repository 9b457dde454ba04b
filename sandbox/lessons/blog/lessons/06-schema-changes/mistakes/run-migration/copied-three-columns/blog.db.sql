BEGIN TRANSACTION;
CREATE TABLE "article" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "slug" VARCHAR(255) NOT NULL, "content" TEXT NOT NULL, "summary" TEXT NOT NULL, "published" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
INSERT INTO "article" VALUES(1,'Why I like Peewee','why-peewee','A model is a plain Python class, and every row is an object.','',0,'2026-06-01 10:00:00.120000');
INSERT INTO "article" VALUES(2,'Hello, database','hello-database','My first article stored in a real database.','',0,'2026-06-01 10:00:00.130000');
CREATE UNIQUE INDEX "article_slug" ON "article" ("slug");
COMMIT;
