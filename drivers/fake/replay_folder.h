/* Image folders for the replay camera: the .jpg/.jpeg and .png files of a
 * folder (not its subfolders), in byte order of their names. JPEG files
 * play as they are; PNG files are converted to JPEG up front with ffmpeg
 * (TurboJPEG cannot read PNG), each keeping its place in the order. */
#ifndef MT_FAKE_REPLAY_FOLDER_H
#define MT_FAKE_REPLAY_FOLDER_H

#include "fake/replay_convert.h"
#include "fake/replay_index.h"

/* Appends one file item per image of dir, in name order; a PNG that ffmpeg
 * could not decode becomes a broken item (counted when played). conv holds
 * the converted files and must stay open while idx is played.
 * 0, -errno (folder unreadable), MT_EFORMAT (conversion failed) or -ENOMEM. */
int mt_replay_folder_index(const char *dir, struct mt_replay_convert *conv,
			   struct mt_replay_index *idx);

#endif
