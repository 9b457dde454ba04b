BEGIN TRANSACTION;
CREATE TABLE "article" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "slug" VARCHAR(255) NOT NULL, "content" TEXT NOT NULL, "published" INTEGER NOT NULL, "created_at" DATETIME NOT NULL);
INSERT INTO "article" VALUES(1,'Hello, database','hello-database','My first article stored in a real database.',0,'2026-03-01 10:00:00.123456');
INSERT INTO "article" VALUES(2,'Why I like Peewee','why-peewee','A model is a plain Python class.',1,'2026-03-01 10:02:10.654321');
INSERT INTO "article" VALUES(3,'Shell notes','shell-notes','The Python shell is a good place to try a query.',0,'2026-03-02 08:45:00.000001');
CREATE UNIQUE INDEX "article_slug" ON "article" ("slug");
COMMIT;
