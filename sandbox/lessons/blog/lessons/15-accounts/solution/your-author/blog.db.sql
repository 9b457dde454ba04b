BEGIN TRANSACTION;
CREATE TABLE "article" ("id" INTEGER NOT NULL PRIMARY KEY, "title" VARCHAR(200) NOT NULL, "slug" VARCHAR(255) NOT NULL, "content" TEXT NOT NULL, "published" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "summary" TEXT NOT NULL);
INSERT INTO "article" VALUES(1,'Hello, database','hello-database','My first article stored in a real database.',0,'2024-05-01 09:30:00','');
INSERT INTO "article" VALUES(2,'Why I like Peewee','why-peewee','A model is a plain Python class, and every row is an object.',1,'2024-05-02 18:15:00','');
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(50) NOT NULL, "password_hash" VARCHAR(255) NOT NULL);
INSERT INTO "user" VALUES(1,'ada','scrypt$16384$8$1$a21bfbba2c19efa0f50278229831900a$db213108809a4710392f171ca8d6636e7f5edab7cc1f7d705f4803be482bb526958bdbcba5f986d688722b795f7fc3113eccf761b8f6e723756988cd22b69692');
CREATE UNIQUE INDEX "article_slug" ON "article" ("slug");
CREATE UNIQUE INDEX "user_username" ON "user" ("username");
COMMIT;
