BEGIN TRANSACTION;
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 3
);
INSERT INTO tasks (id, title, done, priority) VALUES (1, 'Water the plants', 0, 2);
INSERT INTO tasks (id, title, done, priority) VALUES (2, 'Write the shopping list', 1, 3);
INSERT INTO tasks (id, title, done, priority) VALUES (3, 'Call the plumber', 0, 1);
INSERT INTO tasks (id, title, done, priority) VALUES (4, 'Book the dentist', 0, 3);
COMMIT;
