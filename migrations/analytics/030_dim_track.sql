-- dim_track(p_as_of DATETIME)
--
-- Rebuilds table dim_track: one row per Track with TrackId, track_name, album_title,
-- artist_name, genre_name, media_type_name (NULL where the reference is missing) and UnitPrice.
-- p_as_of is accepted for a uniform chain and not used (tracks carry no history). Atomic swap
-- through dim_track_new; serialised by a named lock (SQLSTATE 45000 for a concurrent call).

DROP PROCEDURE IF EXISTS dim_track;

DELIMITER $$
CREATE PROCEDURE dim_track(IN p_as_of DATETIME)
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
  COMMENT 'Atomically rebuild dim_track (sqlcron analytics pack)'
BEGIN
  DECLARE v_lock VARCHAR(64) DEFAULT CONCAT(LEFT(DATABASE(), 40), '.dim_track');
  DECLARE v_locked BOOLEAN DEFAULT FALSE;

  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    IF v_locked THEN
      DROP TABLE IF EXISTS dim_track_new;
      DO RELEASE_LOCK(v_lock);
    END IF;
    RESIGNAL;
  END;

  IF DATABASE() IS NULL THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dim_track: no default schema selected';
  END IF;
  IF COALESCE(GET_LOCK(v_lock, 0), 0) <> 1 THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dim_track: another refresh is running in this schema';
  END IF;
  SET v_locked = TRUE;

  DROP TABLE IF EXISTS dim_track_new;
  DROP TABLE IF EXISTS dim_track_old;
  CREATE TABLE dim_track_new (
    TrackId          INT           NOT NULL,
    track_name       VARCHAR(200)  NOT NULL,
    album_title      VARCHAR(160)  NULL,
    artist_name      VARCHAR(120)  NULL,
    genre_name       VARCHAR(120)  NULL,
    media_type_name  VARCHAR(120)  NULL,
    UnitPrice        DECIMAL(10,2) NOT NULL,
    PRIMARY KEY (TrackId),
    KEY ix_dim_track_genre (genre_name)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  INSERT INTO dim_track_new
  SELECT t.TrackId, t.Name, al.Title, ar.Name, g.Name, mt.Name, t.UnitPrice
    FROM Track t
    LEFT JOIN Album al ON al.AlbumId = t.AlbumId
    LEFT JOIN Artist ar ON ar.ArtistId = al.ArtistId
    LEFT JOIN Genre g ON g.GenreId = t.GenreId
    LEFT JOIN MediaType mt ON mt.MediaTypeId = t.MediaTypeId
   ORDER BY t.TrackId;

  CREATE TABLE IF NOT EXISTS dim_track LIKE dim_track_new;
  RENAME TABLE dim_track TO dim_track_old, dim_track_new TO dim_track;
  DROP TABLE dim_track_old;
  DO RELEASE_LOCK(v_lock);
END$$
DELIMITER ;
