import { jest } from '@jest/globals';
import { BULL_BOARD_PATH, bullBoardGuard, mountBullBoard } from './bull-board.js';

describe('Bull Board guard', () => {
  it('answers 404 when disabled, 403 when access refuses, passes admins, and forwards access errors', async () => {
    const next = jest.fn();
    const json = jest.fn();
    const res = { status: jest.fn(() => ({ json })) };
    const settle = () => new Promise((r) => setImmediate(r));
    bullBoardGuard(false, () => true)({} as never, res as never, next);
    expect(res.status).toHaveBeenLastCalledWith(404);
    expect(next).not.toHaveBeenCalled();
    bullBoardGuard(true, async () => true)({} as never, res as never, next);
    await settle();
    expect(next).toHaveBeenCalledWith();
    bullBoardGuard(true, () => false)({} as never, res as never, next);
    await settle();
    expect(res.status).toHaveBeenLastCalledWith(403);
    expect(json).toHaveBeenLastCalledWith(expect.objectContaining({ message: 'Bull Board needs an admin' }));
    const boom = new Error('store down');
    bullBoardGuard(true, () => Promise.reject(boom))({} as never, res as never, next);
    await settle();
    expect(next).toHaveBeenLastCalledWith(boom);
  });

  it('mounts only the guard when disabled', () => {
    const app = { use: jest.fn(), get: jest.fn() };
    expect(mountBullBoard(app as never, { enabled: false })).toEqual([]);
    expect(app.use).toHaveBeenCalledTimes(1);
    expect(app.use.mock.calls[0][0]).toBe(BULL_BOARD_PATH);
    expect(app.get).not.toHaveBeenCalled();
  });
});
