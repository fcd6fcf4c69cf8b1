import { jest } from '@jest/globals';
import { BULL_BOARD_PATH, bullBoardGuard, mountBullBoard } from './bull-board.js';

describe('Bull Board guard', () => {
  it('passes allowed requests and answers 404 otherwise', () => {
    const next = jest.fn();
    const json = jest.fn();
    const res = { status: jest.fn(() => ({ json })) };
    bullBoardGuard(() => true)({} as never, res as never, next);
    expect(next).toHaveBeenCalledTimes(1);
    bullBoardGuard(() => false)({} as never, res as never, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(res.status).toHaveBeenCalledWith(404);
    expect(json).toHaveBeenCalledWith(expect.objectContaining({ code: 'not-found' }));
  });

  it('mounts only the guard when disabled', () => {
    const app = { use: jest.fn(), get: jest.fn() };
    expect(mountBullBoard(app as never, { enabled: false })).toEqual([]);
    expect(app.use).toHaveBeenCalledTimes(1);
    expect(app.use.mock.calls[0][0]).toBe(BULL_BOARD_PATH);
    expect(app.get).not.toHaveBeenCalled();
  });
});
